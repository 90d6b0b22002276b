"""How to reach the broker and what the topics are called: one frozen value, two client dialects."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EVENTS = "events"
INTAKE = "intake"
CERTIFICATES = "certificates"
ENTITIES = "entities"
# The same records with names, ID and certificate numbers masked (domain.privacy), keyed by
# a pseudonym: what downstream systems get by default. The two above carry them in full
# and are published only when the operator asks (`zhili relay --full-records`).
PUBLIC_CERTIFICATES = "certificates.public"
PUBLIC_ENTITIES = "entities.public"


@dataclass(frozen=True)
class KafkaSettings:
    bootstrap: str = "127.0.0.1:9092"
    prefix: str = "zhili"
    partitions: int = 3
    replication_factor: int = 1
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = None
    ssl_cafile: str | None = None
    # gzip: the event JSON shrinks about 5x, and both kafka-python and librdkafka read it
    compression: str | None = "gzip"
    # How long one broker round (connect, acknowledge a batch) may take before we give up.
    timeout_s: float = 15.0

    def topic(self, name: str) -> str:
        return f"{self.prefix}.{name}"

    def client_config(self) -> dict[str, Any]:
        """Keyword arguments shared by kafka-python's producer, consumer and admin client."""
        timeout_ms = int(self.timeout_s * 1000)
        config: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap.split(","),
            "security_protocol": self.security_protocol,
            "bootstrap_timeout_ms": timeout_ms,
            "request_timeout_ms": max(timeout_ms, 1000),
            "reconnect_backoff_max_ms": 1000,
        }
        if self.sasl_mechanism:
            config["sasl_mechanism"] = self.sasl_mechanism
            config["sasl_plain_username"] = self.sasl_username
            config["sasl_plain_password"] = self.sasl_password
        if self.ssl_cafile:
            config["ssl_cafile"] = self.ssl_cafile
        return config

    def librdkafka_config(self) -> dict[str, Any]:
        """The same connection for confluent-kafka (librdkafka) clients, e.g. downstream readers."""
        config: dict[str, Any] = {
            "bootstrap.servers": self.bootstrap,
            "security.protocol": self.security_protocol.lower(),
        }
        if self.sasl_mechanism:
            config.update({
                "sasl.mechanism": self.sasl_mechanism,
                "sasl.username": self.sasl_username,
                "sasl.password": self.sasl_password,
            })
        if self.ssl_cafile:
            config["ssl.ca.location"] = self.ssl_cafile
        return config
