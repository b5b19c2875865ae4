#!/usr/bin/env bash
# The server's own web pages, as a person sees them: a throwaway server, a purpose with its
# consent text and a list, a double opt-in sign-up over GraphQL, then Debian's Chromium
# (headless) photographs the confirm page and the page after its button, and the unsubscribe
# page and the page after its button. Saves docs/screenshot-{confirm,unsubscribe}.png, each
# the page and the answer side by side. The server and its data are removed on every exit.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
out=${SCREENSHOT_DIR:-docs}
lang=${VERMERK_LANG:-de}

for tool in chromium convert curl python3; do
	command -v "$tool" >/dev/null || { echo "web-screenshot: $tool is missing (apt-get install chromium imagemagick curl python3)" >&2; exit 1; }
done

name=web-screenshot
source scripts/throwaway-server.sh
start_throwaway_server VERMERK_PUBLIC_URL="$url"

# gql QUERY [VARIABLES-JSON] [JSON-PATH]: posts one operation as admin, prints the value at the path.
gql() {
	local body vars=${2:-'{}'}
	body=$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1], "variables": json.loads(sys.argv[2])}))' "$1" "$vars")
	curl -fsS "$url/graphql" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$body" |
		python3 -c 'import json,sys
a = json.load(sys.stdin)
if a.get("errors"): sys.exit("web-screenshot: " + a["errors"][0]["message"])
v = a["data"]
for k in sys.argv[1].split(".") if sys.argv[1] else []: v = v[int(k)] if k.isdigit() else v[k]
print(v if isinstance(v, str) else json.dumps(v))' "${3:-}"
}

gql 'mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { key } }' >/dev/null
gql 'mutation { createList(input: {key: "news-de", name: "Newsletter der Muster GmbH", purposeKey: "newsletter"}) { key } }' >/dev/null
gql 'mutation($t: String!) { addConsentText(purposeKey: "newsletter", text: $t) { version } }' \
	'{"t": "Ja, ich möchte den monatlichen Newsletter der Muster GmbH per E-Mail erhalten. Ich kann meine Einwilligung jederzeit widerrufen."}' >/dev/null
confirm=$(gql 'mutation($in: SignUpInput!) { signUp(input: $in) { confirmURL } }' \
	'{"in": {"email": "erika.muster@example.com", "givenName": "Erika", "familyName": "Muster", "purposeKey": "newsletter", "listKey": "news-de", "consentTextVersion": 1, "ip": "203.0.113.7", "userAgent": "Mozilla/5.0 (X11; Linux x86_64)", "source": "web-form-footer"}}' \
	signUp.confirmURL)

# shot NAME URL HEIGHT: one page at 600 pixels wide, in the chosen language.
shot() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --user-data-dir="$data/chromium-$1" --window-size="600,$3" --lang="$lang" --accept-lang="$lang" \
		--screenshot="$data/$1.png" "$2" >/dev/null 2>&1
	[[ -s $data/$1.png ]] || { echo "web-screenshot: chromium made no picture of $2" >&2; exit 1; }
}

# The button's answer is saved with curl and opened as a file: a headless browser does not press buttons.
shot confirm "$confirm" 520
curl -fsS -H "Accept-Language: $lang" -X POST -d confirm=yes "$confirm" -o "$data/confirmed.html"
shot confirmed "file://$data/confirmed.html" 520

id=$(gql '{ contacts(search: "erika.muster@example.com", first: 1) { edges { node { id } } } }' '{}' contacts.edges.0.node.id)
unsubscribe=$(gql 'query($id: ID!) { unsubscribeLink(contactId: $id, listKey: "news-de") }' "{\"id\": \"$id\"}" unsubscribeLink)
shot unsubscribe "$unsubscribe" 470
curl -fsS -X POST -d 'List-Unsubscribe=One-Click' "$unsubscribe" -o "$data/unsubscribed.html"
shot unsubscribed "file://$data/unsubscribed.html" 470

mkdir -p "$out"
convert "$data/confirm.png" "$data/confirmed.png" +append "$out/screenshot-confirm.png"
convert "$data/unsubscribe.png" "$data/unsubscribed.png" +append "$out/screenshot-unsubscribe.png"
echo "$out/screenshot-confirm.png"
echo "$out/screenshot-unsubscribe.png"
