#!/bin/sh
# podman for podman-compose 1.0.3 (--podman-path): after a service's
# network_mode: none it still adds --net PROJECT_default --network-alias
# SERVICE, which Podman refuses; this drops those two.
none=no prev=
for a do
  [ "$prev" = --network ] && [ "$a" = none ] && none=yes
  prev=$a
done
if [ $none = yes ]; then
  skip=no
  for a do
    shift
    if [ $skip = yes ]; then skip=no; continue; fi
    case $a in --net | --network-alias) skip=yes; continue ;; esac
    set -- "$@" "$a"
  done
fi
exec podman "$@"
