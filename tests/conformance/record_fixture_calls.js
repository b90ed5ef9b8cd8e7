// SPDX-License-Identifier: Apache-2.0
// Runs node-semver's own tests (test/functions and test/ranges of a checkout)
// and records every call they make to a semver function, with its
// arguments, as JSON lines. The tests' assertions are not run: `tap` is
// replaced by a stand-in that only calls the test bodies. The recorded calls
// are then asked of noodle's engine and of npm semver in the same run.
//
//   node record_fixture_calls.js NODE_SEMVER_CHECKOUT OUT.jsonl
'use strict'

const Module = require('module')
const fs = require('fs')
const path = require('path')

const root = path.resolve(process.argv[2])
const out = fs.openSync(process.argv[3], 'w')
let currentFile = ''

// Values a command line can carry: text, booleans, numbers, nothing, and
// arrays or plain option objects made of them.
const plain = (x) => x === null || x === undefined ||
  ['string', 'boolean', 'number'].includes(typeof x) ||
  (Array.isArray(x) && x.every(plain)) ||
  (typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype && Object.values(x).every(plain))

// SemVer, Range and Comparator objects are recorded as the text they were
// made from and their options, which a command line can pass.
const TEXT_OF = { SemVer: (x) => x.raw, Range: (x) => x.raw, Comparator: (x) => x.value }
const describe = (x) => {
  if (plain(x)) {
    return x === undefined ? { undefined: true } : x
  }
  const kind = (x && x.constructor && x.constructor.name) || typeof x
  if (TEXT_OF[kind] && plain(x.options)) {
    return { object: kind, text: TEXT_OF[kind](x), options: x.options }
  }
  return { object: kind }
}
const carried = (x) => plain(x) || (x && x.constructor && TEXT_OF[x.constructor.name] !== undefined)

const wrap = (name, f) => function (...args) {
  const record = { fn: name, file: currentFile, plain: args.every(carried), args: args.map(describe) }
  fs.writeSync(out, JSON.stringify(record) + '\n')
  return f.apply(this, args)
}

// A stand-in for tap: runs every test body, ignores every assertion.
const pending = []
const makeT = () => new Proxy({}, {
  get (_, prop) {
    if (prop === 'then') {
      return undefined
    }
    if (prop === 'test') {
      return (name, opts, fn) => {
        const body = typeof opts === 'function' ? opts : fn
        if (typeof body !== 'function') {
          return
        }
        try {
          const r = body(makeT())
          if (r && typeof r.then === 'function') {
            pending.push(r.catch(() => {}))
          }
        } catch (e) {}
      }
    }
    if (prop === 'throws' || prop === 'doesNotThrow') {
      return (fn) => {
        try {
          fn()
        } catch (e) {}
      }
    }
    return () => {}
  },
})

const wrapped = new Map()
const originalLoad = Module._load
Module._load = function (request, parent, isMain) {
  if (request === 'tap') {
    return makeT()
  }
  const exported = originalLoad.apply(this, arguments)
  // Only what a test file requires is recorded, not the library's own
  // calls between its functions.
  const fromTest = parent && parent.filename && parent.filename.startsWith(path.join(root, 'test') + path.sep)
  if (!fromTest || typeof exported !== 'function') {
    return exported
  }
  let resolved
  try {
    resolved = Module._resolveFilename(request, parent, isMain)
  } catch (e) {
    return exported
  }
  const rel = path.relative(root, resolved)
  if (!/^(functions|ranges)\/[a-z-]+\.js$/.test(rel)) {
    return exported
  }
  if (!wrapped.has(resolved)) {
    wrapped.set(resolved, wrap(rel.slice(0, -3), exported))
  }
  return wrapped.get(resolved)
}

for (const dir of ['functions', 'ranges']) {
  const full = path.join(root, 'test', dir)
  for (const name of fs.readdirSync(full).sort()) {
    if (!name.endsWith('.js')) {
      continue
    }
    currentFile = `test/${dir}/${name}`
    try {
      require(path.join(full, name))
    } catch (e) {
      process.stderr.write(`${currentFile}: ${e.message}\n`)
    }
  }
}
Promise.all(pending).then(() => fs.closeSync(out))
