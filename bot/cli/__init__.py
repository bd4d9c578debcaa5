"""The subcommands of `python -m bot`, one module each (as Django finds its management commands).

bot/__main__.py names every subcommand with the module that runs it and imports only that one,
with importlib, once the command line names it: `--help`, `new-key` and `manifest` do not load
the store, and serving does not load the import and export code. Each module has its imports at
its top, `handle(settings, args)`, and `add_arguments(parser)` where it takes any.
"""
