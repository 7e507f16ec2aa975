#!/bin/sh
# npm runs every lifecycle script (ours and our dependencies') through this shell,
# because .npmrc names it as script-shell. It exists for one reason: mmap-io 1.1.7's
# binding.gyp asks for -std=c++11, but Node 20's headers need C++17. A later -std
# flag wins, so appending gnu++17 to CXXFLAGS lets node-gyp build it on plain `npm ci`.
CXXFLAGS="${CXXFLAGS:+$CXXFLAGS }-std=gnu++17"
export CXXFLAGS
exec /bin/sh "$@"
