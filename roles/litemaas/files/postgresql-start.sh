# Sourced by the rhel9/postgresql-16 image on every start (postgresql-start hook) while the server listens
# on its local socket only. Idempotent: creates the LiteLLM and backend roles and databases when missing and
# sets the role passwords from the Secret, so the database always matches the cluster Secret.
# LiteLLM (Prisma) and the backend each own a separate database; neither can connect to the other's.
litemaas_db() {
  psql -v ON_ERROR_STOP=1 -q -d postgres -v "user=$1" -v "db=$2" -v "pw=$3" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'user') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \gexec
ALTER ROLE :"user" WITH LOGIN PASSWORD :'pw';
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT ALL ON DATABASE :"db" TO :"user";
SQL
}
litemaas_db "$LITELLM_DB_USER" "$LITELLM_DB_NAME" "$LITELLM_DB_PASSWORD"
litemaas_db "$LITEMAAS_DB_USER" "$LITEMAAS_DB_NAME" "$LITEMAAS_DB_PASSWORD"
unset -f litemaas_db
