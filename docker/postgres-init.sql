-- The event log lives in database zhili (POSTGRES_DB); the Kafka-fed read model in its own.
CREATE DATABASE zhili_read;
