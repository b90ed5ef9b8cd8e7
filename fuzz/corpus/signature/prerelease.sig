noodle-signature 1
key-id: 06e3fd8fda29bb60
component: jit_compiler
version: 2.1.0-rc.1+build.7
sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
size: 0
signed-at: 2026-11-26T23:00:00Z
signature: xmBMqjbJD9IoiEJbPuZvqRe1iQnO+2CKzj39NGXM+8A+qPw+d7BR7Vz97xoIkdwqYEUCnlKOMvdvP3eVh402DQ==
