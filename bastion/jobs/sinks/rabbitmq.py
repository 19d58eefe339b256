"""RabbitMQ (AMQP 0-9-1) through aio-pika: a durable topic exchange, persistent messages,
publisher confirms.

The exchange (the sink's target) is declared durable, of type topic, on connect; each event is
published with routing key `{collection}.{created|updated|deleted}` and `message_id` = the event
id, and `publish` waits for the broker's confirm (a nack is an error, so the job retries).
Consumers bind their own durable queues, e.g. `posts.*` or `#`; an event published while no queue
is bound is dropped by RabbitMQ, as for any topic exchange.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bastion.jobs.sinks.sink import EventSink, SinkMessage

if TYPE_CHECKING:
    from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange


@dataclass
class _Amqp:
    connection: AbstractConnection
    channel: AbstractChannel
    exchange: AbstractExchange


class RabbitMqSink(EventSink[_Amqp]):
    kind = "RabbitMQ"

    async def _open(self) -> _Amqp:
        import aio_pika  # 0.2 s to import: only when a RabbitMQ sink is configured

        # A plain connection, not connect_robust: a failure surfaces here as SinkError and the
        # next publish reconnects, so a retried job never waits on a reconnect loop of its own.
        connection = await aio_pika.connect(
            self.url, timeout=self.timeout, client_properties={"connection_name": f"bastion sink {self.name}"}
        )
        try:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.declare_exchange(self.target, aio_pika.ExchangeType.TOPIC, durable=True)
        except BaseException:
            await connection.close()
            raise
        return _Amqp(connection, channel, exchange)

    async def _send(self, client: _Amqp, message: SinkMessage) -> None:
        import aio_pika

        await client.exchange.publish(
            aio_pika.Message(
                body=message.body,
                message_id=message.id,
                type=message.type,
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                headers={"collection": message.collection},
            ),
            routing_key=message.routing_key,
        )  # with publisher confirms, returns once the broker has acked (raises on a nack)

    async def _close_client(self, client: _Amqp) -> None:
        await client.connection.close()

    def _usable(self, client: _Amqp) -> bool:
        return not (client.connection.is_closed or client.channel.is_closed)
