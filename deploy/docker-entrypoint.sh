#!/bin/sh
# Point d'entrée de l'image Maillage (deploy/Dockerfile).
#
#   serve      (par défaut) crée le nœud au premier démarrage, suit en arrière-plan les
#              adresses de MAILLAGE_FOLLOW dès qu'elles répondent, puis sert le nœud ;
#   prepare    crée le nœud s'il n'existe pas, suit MAILLAGE_FOLLOW (en attendant les
#              pairs), fait une première copie, puis s'arrête, sans servir ;
#   autre      passé tel quel à « maillage » : offer list, peers, export --format csv…
#              (une option seule, comme --log-level debug, est passée à « maillage serve »).
#
# Variables lues :
#   MAILLAGE_HOME         dossier du nœud (par défaut /data, le volume de l'image) ;
#   MAILLAGE_NAME         nom du lieu, pour « maillage init » au premier démarrage ;
#   MAILLAGE_PUBLIC_URL   adresse publique du nœud (https://…), idem ;
#   MAILLAGE_FOLLOW       adresses des nœuds à suivre, séparées par des espaces ou des
#                         virgules (suivre deux fois la même adresse ne change rien) ;
#   MAILLAGE_FOLLOW_TRIES nombre d'essais par adresse (60 par défaut) ;
#   MAILLAGE_FOLLOW_WAIT  secondes entre deux essais (5 par défaut).
# Toutes les autres variables MAILLAGE_… sont des réglages du nœud (maillage.toml.example).
set -eu

MAILLAGE_HOME="${MAILLAGE_HOME:-/data}"
export MAILLAGE_HOME
FOLLOW_TRIES="${MAILLAGE_FOLLOW_TRIES:-60}"
FOLLOW_WAIT="${MAILLAGE_FOLLOW_WAIT:-5}"

say() {
    printf 'maillage (démarrage) : %s\n' "$*" >&2
}

# Create the node the first time: no settings file yet. An existing node is never touched
# (and "maillage init" itself refuses a folder that holds anything).
first_start() {
    if [ -e "$MAILLAGE_HOME/maillage.toml" ]; then
        return 0
    fi
    name="${MAILLAGE_NAME:-Tiers-lieu}"
    say "premier démarrage : création du nœud « $name » dans $MAILLAGE_HOME"
    if [ -n "${MAILLAGE_PUBLIC_URL:-}" ]; then
        maillage init --home "$MAILLAGE_HOME" --name "$name" --url "$MAILLAGE_PUBLIC_URL" >&2
    else
        maillage init --home "$MAILLAGE_HOME" --name "$name" >&2
    fi
    say "SAUVEGARDEZ $MAILLAGE_HOME/key.pem : cette clé est l'identité du lieu"
}

# Follow every address of MAILLAGE_FOLLOW, waiting for each to answer, then copy once.
follow_peers() {
    urls=$(printf '%s' "${MAILLAGE_FOLLOW:-}" | tr ',' ' ')
    set -f  # an address is never a file pattern
    followed=0
    for url in $urls; do
        tries=1
        until answer=$(maillage follow --home "$MAILLAGE_HOME" "$url" 2>&1); do
            if [ "$tries" -ge "$FOLLOW_TRIES" ]; then
                say "abandon après $tries essais : $answer"
                say "pour réessayer : maillage follow $url"
                continue 2
            fi
            tries=$((tries + 1))
            sleep "$FOLLOW_WAIT"
        done
        say "$(printf '%s' "$answer" | head -n 1)"
        followed=$((followed + 1))
    done
    set +f
    if [ "$followed" -gt 0 ]; then
        maillage sync --home "$MAILLAGE_HOME" >&2 || say "première copie incomplète : maillage sync"
    fi
}

if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
    set -- serve "$@"
fi

case "$1" in
    serve)
        first_start
        # In a subshell left behind: the init process (docker run --init) reaps it.
        (follow_peers &)
        exec maillage "$@"
        ;;
    prepare)
        first_start
        follow_peers
        ;;
    *)
        exec maillage "$@"
        ;;
esac
