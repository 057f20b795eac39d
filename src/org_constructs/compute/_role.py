"""The execution role of a ``MonitoredFunction``: the library's policy, and the app's beside it."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_iam as iam
from constructs import Construct

from org_constructs._internal.nodes import path_of

__all__ = ["ManagedPolicyRole"]


class ManagedPolicyRole(iam.Role):
    """A role whose added permissions land in customer-managed policies, never inline.

    aws-cdk-lib and ``grant_*`` calls add statements with ``add_to_principal_policy``. While
    the construct builds, they go to ``Policy``, the library's, whose findings the library
    acknowledges (X-Ray and network interfaces need ``Resource: '*'``). Once it is built
    (``seal``), what the app adds (``function.add_to_role_policy``, a table's grant, an event
    source) goes to ``AppPolicy``, made on first use: aws-cdk-lib merges statements on the same
    resources, and the app's own ``Resource: '*'`` must not join the library's acknowledged one.
    """

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.policy = iam.ManagedPolicy(
            self, "Policy", roles=[self], description=f"Permissions of {path_of(self)}"
        )
        self._app_policy: iam.ManagedPolicy | None = None
        self._sealed = False

    @property
    def app_policy(self) -> iam.ManagedPolicy | None:
        """The policy of what the app added once the construct was built; None until then."""
        return self._app_policy

    def seal(self) -> None:
        """From now on, added statements are the app's: they go to ``AppPolicy``."""
        self._sealed = True

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        target = self.policy
        if self._sealed:
            if self._app_policy is None:
                self._app_policy = iam.ManagedPolicy(
                    self,
                    "AppPolicy",
                    roles=[self],
                    description=f"Permissions the app added to {path_of(self)}",
                )
            target = self._app_policy
        target.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=target)
