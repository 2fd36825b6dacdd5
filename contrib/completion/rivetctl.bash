# bash completion for rivetctl (rivet-mesh). Self-contained: works with or without the
# bash-completion package. Never blocks: node names come from `rivetctl list --json`
# under a 1-second timeout, with its errors discarded.

_rivetctl_commands="ping agents send tasks task cancel delegate list status forget reload check plugin policy bench ca a2a --version --help"
_rivetctl_ca_commands="init issue revoke crl show list"

_rivetctl_nodes() {
    # $1: the words before the command (for --config FILE)
    command -v timeout >/dev/null 2>&1 || return 0
    local out
    out=$(timeout 1 "${COMP_WORDS[0]}" $1 list --json 2>/dev/null </dev/null) || return 0
    printf '%s\n' "$out" | tr ',' '\n' | sed -n 's/.*"name"[[:space:]]*:[[:space:]]*"\([A-Za-z0-9._-]*\)".*/\1/p' 2>/dev/null
}

_rivetctl_files() {
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$1"))
}

_rivetctl() {
    local cur prev i cmd="" cmdi=0 global=""
    COMPREPLY=()
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev=""
    [[ $COMP_CWORD -gt 0 ]] && prev="${COMP_WORDS[COMP_CWORD-1]}"

    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
        --config | -c)
            global="--config ${COMP_WORDS[i+1]}"
            ((i++))
            ;;
        *)
            cmd="${COMP_WORDS[i]}"
            cmdi=$i
            break
            ;;
        esac
    done

    if [[ -z $cmd ]]; then
        case "$prev" in
        --config | -c) _rivetctl_files "$cur"; return 0 ;;
        esac
        COMPREPLY=($(compgen -W "--config $_rivetctl_commands" -- "$cur"))
        return 0
    fi

    local opts=""
    case "$cmd" in
    ping | agents)
        case "$prev" in
        --timeout) return 0 ;;
        --name) COMPREPLY=($(compgen -W "$(_rivetctl_nodes "$global")" -- "$cur")); return 0 ;;
        esac
        opts="--name --timeout --json --help"
        if [[ $cur != -* ]]; then
            COMPREPLY=($(compgen -W "$(_rivetctl_nodes "$global")" -- "$cur"))
            return 0
        fi
        ;;
    send)
        case "$prev" in --timeout | --model | --from) return 0 ;; esac
        opts="--timeout --model --from --follow --detach --json --help"
        ;;
    tasks)
        case "$prev" in
        --state)
            COMPREPLY=($(compgen -W "submitted working input-required completed failed canceled rejected" -- "$cur"))
            return 0
            ;;
        --limit) return 0 ;;
        esac
        opts="--state --limit --json --help"
        ;;
    task) opts="--tree --json --help" ;;
    cancel) opts="--json --help" ;;
    delegate)
        case "$prev" in --timeout | --model) return 0 ;; esac
        opts="--timeout --model --roster --help"
        ;;
    list | status) opts="--json --help" ;;
    check) opts="--json --help" ;;
    forget)
        case "$prev" in --older-than) return 0 ;; esac
        opts="--older-than --json --help"
        if [[ $cur != -* ]]; then
            COMPREPLY=($(compgen -W "$(_rivetctl_nodes "$global")" -- "$cur"))
            return 0
        fi
        ;;
    reload) opts="--help" ;;
    plugin)
        if [[ $COMP_CWORD -eq $((cmdi + 1)) ]]; then
            COMPREPLY=($(compgen -W "check --help" -- "$cur"))
            return 0
        fi
        case "$prev" in
        --config) _rivetctl_files "$cur"; return 0 ;;
        --settings | --agent) return 0 ;;
        esac
        opts="--settings --agent --config --json --help"
        if [[ $cur != -* ]]; then _rivetctl_files "$cur"; return 0; fi
        ;;
    policy)
        if [[ $COMP_CWORD -eq $((cmdi + 1)) ]]; then
            COMPREPLY=($(compgen -W "check --help" -- "$cur"))
            return 0
        fi
        case "$prev" in
        --config) _rivetctl_files "$cur"; return 0 ;;
        --via) COMPREPLY=($(compgen -W "$(_rivetctl_nodes "$global")" -- "$cur")); return 0 ;;
        esac
        opts="--config --via --json --help"
        ;;
    bench)
        case "$prev" in
        --cert | --key | --ca | --ready-file) _rivetctl_files "$cur"; return 0 ;;
        --method) COMPREPLY=($(compgen -W "GET POST" -- "$cur")); return 0 ;;
        --trickle) COMPREPLY=($(compgen -W "handshake head" -- "$cur")); return 0 ;;
        --url | --name | --body | --concurrency | --threads | --duration | --requests | --warmup | \
            --timeout | --source | --hold | --slowloris | --trickle-ms | --open-window | \
            --open-seconds | --hold-seconds) return 0 ;;
        esac
        opts="--url --cert --key --ca --name --method --body --concurrency --threads --duration
              --requests --warmup --timeout --new-connection --resume --wait-ready
              --print-response --json --source --hold --slowloris --trickle --trickle-ms
              --open-window --open-seconds --hold-seconds --ready-file --help"
        ;;
    ca)
        if [[ $COMP_CWORD -eq $((cmdi + 1)) ]]; then
            COMPREPLY=($(compgen -W "$_rivetctl_ca_commands --help" -- "$cur"))
            return 0
        fi
        case "$prev" in
        --dir | --root-dir) compopt -o dirnames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
        --ip | --dns | --days | --agent) return 0 ;;
        esac
        case "${COMP_WORDS[cmdi+1]}" in
        init) opts="--dir --root-dir --help" ;;
        issue) opts="--ip --dns --days --rsa --agent --dir --root-dir --help" ;;
        revoke | crl) opts="--dir --root-dir --help" ;;
        show)
            opts="--help"
            if [[ $cur != -* ]]; then _rivetctl_files "$cur"; return 0; fi
            ;;
        list) opts="--json --dir --root-dir --help" ;;
        esac
        ;;
    a2a)
        if [[ $COMP_CWORD -eq $((cmdi + 1)) ]]; then
            COMPREPLY=($(compgen -W "token --help" -- "$cur"))
            return 0
        fi
        case "$prev" in
        --file) _rivetctl_files "$cur"; return 0 ;;
        --agents) return 0 ;;
        esac
        opts="--agents --file --help"
        ;;
    *) return 0 ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    fi
    return 0
}

complete -F _rivetctl rivetctl
