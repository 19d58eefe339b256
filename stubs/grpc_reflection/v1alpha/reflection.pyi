from collections.abc import Iterable

from google.protobuf.descriptor_pool import DescriptorPool
from grpc.aio import Server

SERVICE_NAME: str

def enable_server_reflection(
    service_names: Iterable[str], server: Server, pool: DescriptorPool | None = ...
) -> None: ...
