"""Readable random names for flow runs (``crimson-otter``), as Prefect gives them."""

from __future__ import annotations

import random

_ADJECTIVES = (
    "amber azure bold brave bright calm clever crimson cunning dancing daring eager emerald "
    "fearless fiery gentle golden grinning happy hidden humble icy jolly keen lively lucky "
    "mellow merry mighty misty nimble noble olive patient polite proud quick quiet rapid "
    "rustic scarlet shiny silver sleepy smooth snowy solar spry steady stormy swift tawny "
    "tidy tranquil vivid wandering warm wise witty zealous"
).split()
_ANIMALS = (
    "albatross badger beaver bison bobcat caribou cheetah coyote crane dingo dolphin eagle "
    "falcon ferret finch fox gazelle gecko heron hippo ibex jackal jaguar kestrel koala "
    "lemur leopard lynx marmot marten mink moose narwhal ocelot orca osprey otter owl "
    "panther pelican penguin puffin quail raccoon raven salmon seal sparrow stork swan "
    "tapir tiger toucan turtle viper walrus weasel wolf wombat yak zebra"
).split()

_random = random.Random()


def generate_run_name() -> str:
    """A random ``adjective-animal`` name."""
    return f"{_random.choice(_ADJECTIVES)}-{_random.choice(_ANIMALS)}"
