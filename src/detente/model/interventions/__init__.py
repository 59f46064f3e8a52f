"""Interventions (model-spec section 5): timed changes to parameters or state.

Each is a small registered class with a ``name`` (the ``type:`` in a scenario),
a ``citation``, a pydantic ``Params`` model, ``refs`` naming which parameters
refer to actors, disputes or alliances (the loader checks them), and two
hooks: ``on_start`` returns the state changed once when the intervention
begins, and ``while_active`` returns the :class:`~detente.model.state.Modifiers`
changed on every step it is in force. Neither writes into what it is given:
the contract that holds on both backends (docs/plugins.md,
:class:`~detente.model.interventions.base.Intervention`). A package of
interventions acts on every run alike, so all runs of a package share the
same timing.

The built-ins live in two modules, imported here in the order they register
(the registry keeps it): :mod:`.peacemaking` (withdrawal, ceasefire,
monitoring, negotiation), then :mod:`.pressure` (arms reduction, sanctions,
military aid, alliance assurance, information campaigns, public mobilisation).
"""

from __future__ import annotations

from detente.model.interventions.base import Context, Intervention, interventions
from detente.model.interventions.peacemaking import (
    Ceasefire,
    MonitoringMission,
    Negotiate,
    Withdraw,
)
from detente.model.interventions.pressure import (
    AllianceAssurance,
    ArmsReduction,
    InformationCampaign,
    MilitaryAid,
    PublicMobilisation,
    Sanctions,
)

__all__ = [
    "AllianceAssurance",
    "ArmsReduction",
    "Ceasefire",
    "Context",
    "InformationCampaign",
    "Intervention",
    "MilitaryAid",
    "MonitoringMission",
    "Negotiate",
    "PublicMobilisation",
    "Sanctions",
    "Withdraw",
    "interventions",
]
