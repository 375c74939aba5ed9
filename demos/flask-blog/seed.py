"""``python seed.py --count 50`` or ``--feed posts.csv``: what `make seed` runs."""

from flask_blog.seed import cli

if __name__ == "__main__":
    cli()
