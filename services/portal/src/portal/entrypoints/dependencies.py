"""The portal's request dependencies: a unit of work."""

from typing import Annotated

from fastapi import Depends

from outreach_shared.skeleton import Begin as BeginUnit
from outreach_shared.skeleton import begin
from portal.service_layer.unit_of_work import PortalUnit

Begin = Annotated[BeginUnit[PortalUnit], Depends(begin)]
