"""The tooling behind ``org-cdk``: never imported by a CDK app.

The constructs side of the package (``network``, ``storage``, ``compute``, ``monitoring``,
``notifications``, ``compliance``, ``config``, ``core``, ``testing``) is what an app and its
tests import. This side reads what they synthesized:

- ``tooling.gate``: the validation gate (``org-cdk validate``), one synthesis, every checker.
- ``tooling.cost``: fixed monthly cost of an assembly (``org-cdk cost``).
- ``tooling.docs``: stack pages and diagrams (``org-cdk docs``).
- ``tooling.aws``: what the commands do against AWS accounts (deploy, notify, stacks).
- ``tooling.cli``: the ``org-cdk`` command line over them.

Both sides share only ``org_constructs.contract``: the keys and names one writes and the other
reads.
"""
