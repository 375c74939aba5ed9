"""flask-blog — "The Propaganda Engine": coodie's sync API inside a Flask app factory."""
