"""Conversation stage: moderation (what readers saw) and threading (who replied to whom)."""
