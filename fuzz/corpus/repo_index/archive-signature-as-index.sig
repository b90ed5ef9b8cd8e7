noodle-signature 1
key-id: f72ec1329fc3a469
component: jit_compiler
version: 2.1.0
sha256: 6bdbb2eb990f66ae5a30d6cd5b1842f14709f1038f33388212866e0f3bd1c272
size: 452
signed-at: 2026-12-04T16:18:40Z
signature: N6P1tgo9nw1SWZ7R6JQU7nGd0/xf2kxOOIzE0cJyeCvKANJ5aWUs72yL+Wc0kzEfE4IiyjKWFNxn20H18EURCg==
