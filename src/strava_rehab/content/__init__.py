"""Finding, reading and validating the product's content: ``config/*.toml``."""

from strava_rehab.content.locate import CONTENT_DIR_ENV, ContentNotFoundError, content_dir

__all__ = ["CONTENT_DIR_ENV", "ContentNotFoundError", "content_dir"]
