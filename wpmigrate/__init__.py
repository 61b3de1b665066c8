"""wpmigrate: get comments out of WordPress.

Streams WXR exports into comment records (:mod:`wpmigrate.parse.wxr`), rebuilds the
conversations (:mod:`wpmigrate.conversation.thread`), keeps what readers saw
(:mod:`wpmigrate.conversation.moderation`) and writes JSON, JSON Lines or Markdown
(:mod:`wpmigrate.render`). The library works without the CLI.
"""

__version__ = "0.1.0"
