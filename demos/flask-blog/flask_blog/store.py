"""What the pages do to the database, through coodie's sync API (the app and the seed share it).

Writes that touch more than one table go in one **logged batch**, so a post and its
``posts_by_tag`` rows never disagree: ``save(batch=…)`` / ``delete(batch=…)`` inside
``with BatchQuery():`` (coodie 1.9.3's ``update()`` takes no ``batch=``, so an edit saves the
whole post again — an upsert).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from cassandra.util import uuid_from_time
from coodie.batch import BatchQuery

from flask_blog.forms import CommentInput, PostInput
from flask_blog.models import BLOG, Comment, Post, PostByTag

COMMENTS_SHOWN = 100


@dataclass
class Page:
    posts: list[Post]
    paging_state: bytes | None  # None: this was the last page


def new_id(at: datetime | None = None) -> UUID:
    """A version-1 (time) UUID for ``at`` (default: now): the clustering key that orders rows."""
    return uuid_from_time((at or datetime.now(UTC)).timestamp())


def now() -> datetime:
    """The current time at the millisecond precision of a CQL ``timestamp``."""
    t = datetime.now(UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


def parse_id(text: str) -> UUID | None:
    """The post/comment id from a URL, or None when it is not a time UUID at all."""
    try:
        value = UUID(text)
    except (ValueError, TypeError, AttributeError):
        return None
    return value if value.version == 1 and str(value) == text.lower() else None


def create_post(data: PostInput, at: datetime | None = None) -> Post:
    """``INSERT`` the post and one ``posts_by_tag`` row per tag, in one logged batch."""
    created = at or now()
    post = Post(
        id=new_id(created),
        title=data.title,
        body=data.body,
        author=data.author,
        tags=set(data.tags),
        mind_controlled=data.mind_controlled,
        created_at=created,
    )
    with BatchQuery() as batch:
        post.save(batch=batch)
        for tag in sorted(post.tags):
            PostByTag(tag=tag, post_id=post.id).save(batch=batch)
    return post


def update_post(post: Post, data: PostInput) -> Post:
    """Save the edited post (an upsert of every column); add and drop its tag rows to match."""
    gone = sorted(set(post.tags) - data.tags)
    added = sorted(data.tags - set(post.tags))
    edited = post.model_copy(
        update={
            "title": data.title,
            "body": data.body,
            "author": data.author,
            "tags": set(data.tags),
            "mind_controlled": data.mind_controlled,
            "updated_at": now(),
        }
    )
    with BatchQuery() as batch:
        edited.save(batch=batch)
        for tag in added:
            PostByTag(tag=tag, post_id=post.id).save(batch=batch)
        for tag in gone:
            PostByTag(tag=tag, post_id=post.id).delete(batch=batch)
    return edited


def delete_post(post: Post) -> None:
    """Delete the post and its tag rows (one batch), then its whole comments partition."""
    with BatchQuery() as batch:
        post.delete(batch=batch)
        for tag in sorted(post.tags):
            PostByTag(tag=tag, post_id=post.id).delete(batch=batch)
    Comment.find(post_id=post.id).delete()


def get_post(post_id: UUID) -> Post | None:
    return Post.find_one(blog=BLOG, id=post_id)


def latest(size: int, paging_state: bytes | None = None) -> Page:
    """One page of the feed, newest first: the clustering order does the sorting."""
    result = Post.find(blog=BLOG).fetch_size(size).page(paging_state).paged_all()
    return Page(list(result.data), result.paging_state)


def by_author(author: str, size: int, paging_state: bytes | None = None) -> Page:
    """One page of an author's posts, through the secondary index on ``author``: no query
    table to keep in step (an edit that changes the author moves the post by itself). The
    index returns its rows in the base table's order — one ``blog`` partition, ``id DESC`` —
    so newest first here too."""
    result = Post.find(author=author).fetch_size(size).page(paging_state).paged_all()
    return Page(list(result.data), result.paging_state)


def tagged(tag: str, size: int, paging_state: bytes | None = None) -> Page:
    """One page of a tag: the ids from ``posts_by_tag`` (newest first), then the posts by ``IN``."""
    result = PostByTag.find(tag=tag).fetch_size(size).page(paging_state).paged_all()
    ids = [row.post_id for row in result.data]
    posts = Post.find(blog=BLOG, id__in=ids).all() if ids else []
    return Page(list(posts), result.paging_state)


def add_comment(post: Post, data: CommentInput, at: datetime | None = None) -> Comment:
    created = at or now()
    comment = Comment(
        post_id=post.id, id=new_id(created), author=data.author, body=data.body, created_at=created
    )
    comment.save()
    return comment


def comments(post_id: UUID, limit: int = COMMENTS_SHOWN) -> list[Comment]:
    """The post's newest comments (its partition, in clustering order)."""
    return list(Comment.find(post_id=post_id).limit(limit).all())
