"""Blocks: typed, stored configuration and secrets (``riverrun.blocks.core.Block``).

The block types live in ``riverrun.blocks.system`` (``Secret``, ``String``, ``JSON``,
``DateTime``) and ``riverrun.blocks.notifications`` (``SlackWebhook``, ...). This package
imports nothing on its own, so ``import riverrun.blocks`` stays cheap.
"""
