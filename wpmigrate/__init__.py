"""wpmigrate: get comments out of WordPress.

Streams WXR exports into comment records (:mod:`wpmigrate.wxr`), rebuilds the
conversations (:mod:`wpmigrate.thread`), keeps what readers saw
(:mod:`wpmigrate.moderation`) and writes JSON, JSON Lines or Markdown
(:mod:`wpmigrate.render`). The library works without the CLI.
"""

__version__ = "0.1.0"
