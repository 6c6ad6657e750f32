"""A cluster's bootstrap servers reach FastStream as a list: it hands a text to aiokafka as one address."""

from outreach_shared.kafka import servers


def test_a_comma_separated_bootstrap_becomes_one_address_each() -> None:
    assert servers("127.0.0.1:9092, 127.0.0.1:9094,127.0.0.1:9096,") == ["127.0.0.1:9092", "127.0.0.1:9094",
                                                                         "127.0.0.1:9096"]  # fmt: skip
    assert servers("kafka:9092") == ["kafka:9092"]

