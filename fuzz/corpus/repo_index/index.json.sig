noodle-repository-index 1
key-id: f72ec1329fc3a469
index-version: 1
expires: 2026-12-11T16:18:43Z
sha256: 6cfc4e9b96dd6043d052e4737b348fb15ef8b522c3e7274bcdf175b1064c2ecb
size: 20284
signature: i6G3mSnlj9t/Rb+KwyrH0hZu2t5OwneP2jtGU+gzpKjENSaylnpMI0gcwrgF20MWgJc59xzDADdYUmt8Xo5QDQ==
