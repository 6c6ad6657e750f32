#!/usr/bin/env bash
# Runs once, when the postgres container initialises an empty data directory: one LOGIN role per service
# owning one schema of the same name (services cannot read each other's schemas). Passwords come from the
# environment (docker-compose.yml), with development defaults.
set -euo pipefail

provision() {
  local service="$1" password="$2"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
       -v service="$service" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'service', :'password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'service') \gexec
SELECT format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', :'service', :'service') \gexec
SQL
}

provision booking     "${BOOKING_DB_PASSWORD:-dev-booking}"
provision ambassadors "${AMBASSADORS_DB_PASSWORD:-dev-ambassadors}"
provision training    "${TRAINING_DB_PASSWORD:-dev-training}"
provision notify      "${NOTIFY_DB_PASSWORD:-dev-notify}"
provision portal      "${PORTAL_DB_PASSWORD:-dev-portal}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -c 'REVOKE CREATE ON SCHEMA public FROM PUBLIC'
