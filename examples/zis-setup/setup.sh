#!/usr/bin/env bash
# A ZIS setup script in the vendor's documented order, as one is written for the vendor:
# register the integration, get a token for its zis_ client, upload a bundle, install its
# job spec, create a bearer-token connection and a ZIS OAuth client, use the token on configs.
# Only the environment says where it goes: ZENDESK_URL, by default https://$SUBDOMAIN.zendesk.com
# (reach Switchboard there through its proxy or a hosts line; see the README).
set -euo pipefail
: "${SUBDOMAIN:?set SUBDOMAIN}" "${ADMIN_EMAIL:?set ADMIN_EMAIL}" "${API_TOKEN:?set API_TOKEN}"
INTEGRATION="${INTEGRATION:-my_zis_integration}"
ZENDESK_URL="${ZENDESK_URL:-https://$SUBDOMAIN.zendesk.com}"
json() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
admin=(-u "$ADMIN_EMAIL/token:$API_TOKEN")

# 1. Register the integration: its OAuth client, the secret shown only now.
registered=$(curl -sSf -X POST "$ZENDESK_URL/api/services/zis/registry/$INTEGRATION" "${admin[@]}" \
  -H 'Content-Type: application/json' -d '{"description": "Set up by script"}')
client_id=$(printf '%s' "$registered" | json "['zendesk_oauth_client']['identifier']")
client_secret=$(printf '%s' "$registered" | json "['zendesk_oauth_client']['secret']")

# 2. A ZIS OAuth token for that client.
token=$(curl -sSf -X POST "$ZENDESK_URL/oauth/tokens" -H 'Content-Type: application/json' \
  -d "{\"grant_type\": \"client_credentials\", \"client_id\": \"$client_id\", \"client_secret\": \"$client_secret\"}" |
  json "['access_token']")
bearer=(-H "Authorization: Bearer $token")

# 3. Upload the bundle.
curl -sSf -X POST "$ZENDESK_URL/api/services/zis/registry/$INTEGRATION/bundles" "${admin[@]}" \
  -H 'Content-Type: application/json' -d @- > /dev/null <<JSON
{
  "zis_template_version": "2019-10-14",
  "name": "$INTEGRATION bundle",
  "description": "Posts new tickets to a webhook",
  "resources": {
    "post_ticket": {
      "type": "ZIS::Action::Http",
      "properties": {
        "name": "post_ticket",
        "definition": { "method": "POST", "url": "https://hooks.example.com/tickets", "connectionName": "hooks" }
      }
    },
    "ticket_flow": {
      "type": "ZIS::Flow",
      "properties": {
        "name": "ticket_flow",
        "definition": {
          "StartAt": "Post",
          "States": { "Post": { "Type": "Action", "ActionName": "zis:$INTEGRATION:action:post_ticket", "End": true } }
        }
      }
    },
    "ticket_job_spec": {
      "type": "ZIS::JobSpec",
      "properties": {
        "name": "ticket_job_spec",
        "event_source": "support",
        "event_type": "ticket.TicketCreated",
        "flow_name": "zis:$INTEGRATION:flow:ticket_flow"
      }
    }
  }
}
JSON

# 4. Install its job spec.
curl -sSf -X POST "${admin[@]}" \
  "$ZENDESK_URL/api/services/zis/registry/job_specs/install?job_spec_name=zis:$INTEGRATION:job_spec:ticket_job_spec"

# 5. A bearer-token connection for the webhook, and a ZIS OAuth client for a provider.
curl -sSf -X POST "$ZENDESK_URL/api/services/zis/integrations/$INTEGRATION/connections/bearer_token" "${bearer[@]}" \
  -H 'Content-Type: application/json' \
  -d '{"name": "hooks", "token": "webhook-secret-token", "allowed_domain": "hooks.example.com"}' > /dev/null
curl -sSf -X POST "$ZENDESK_URL/api/services/zis/connections/oauth/clients/$INTEGRATION" "${bearer[@]}" \
  -H 'Content-Type: application/json' \
  -d '{"name": "provider", "client_id": "provider-client", "client_secret": "provider-secret",
       "auth_url": "https://provider.example.com/oauth/authorize",
       "token_url": "https://provider.example.com/oauth/token", "default_scopes": "read"}' > /dev/null

# 6. The integration's settings, with the same token.
curl -sSf -X POST "$ZENDESK_URL/api/services/zis/integrations/$INTEGRATION/configs" "${bearer[@]}" \
  -H 'Content-Type: application/json' -d '{"scope": "settings", "config": {"webhook": "https://hooks.example.com/tickets"}}' > /dev/null
echo "Integration $INTEGRATION is set up."
