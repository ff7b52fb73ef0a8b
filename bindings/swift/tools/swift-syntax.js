#!/usr/bin/env node
'use strict';
// Parses .swift files with tree-sitter-swift (no Swift compiler runs on these
// machines) and fails on any ERROR or MISSING node, naming file:line:col.
// uniffi's `#if swift(...)` / `#if compiler(...)` conditional lines (and
// their #else/#endif) are blanked first: they wrap attributes apart from
// their declarations, which the grammar cannot follow; so are the two valid
// constructs of uniffi's output that tree-sitter-swift 0.7.1 does not know
// (GRAMMAR_GAPS below). Lines and columns keep their positions.
//
//   node swift-syntax.js [--decls out.json] FILE.swift...
//
// With --decls, writes every type declaration found (struct/class/enum/
// extension/protocol, typealias) with its properties and functions, for
// check_methods.py.
const fs = require('fs');
const path = require('path');
const Parser = require('tree-sitter');
const Swift = require('tree-sitter-swift');

const args = process.argv.slice(2);
let declsOut = null;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--decls') declsOut = args[++i];
  else files.push(args[i]);
}
if (files.length === 0) {
  console.error('usage: swift-syntax.js [--decls out.json] FILE.swift...');
  process.exit(2);
}

/**
 * Valid Swift that tree-sitter-swift 0.7.1 cannot parse, replaced by spaces of
 * the same length (lines and columns keep their positions). Each one occurs
 * in uniffi 0.32's generated bindings; nothing else is rewritten.
 */
const GRAMMAR_GAPS = [
  // Swift 5.10's `nonisolated(unsafe)` modifier (uniffi's callback vtables).
  { re: /\bnonisolated\(unsafe\)/g, what: 'nonisolated(unsafe)' },
  // A closure whose body is the empty tuple: `{ () }` (uniffi's `writeReturn` for Void callbacks).
  { re: /\{ \(\) \}/g, what: '{ () }', keep: (m) => '{' + ' '.repeat(m.length - 2) + '}' },
];

function fillGrammarGaps(text) {
  const counts = {};
  for (const g of GRAMMAR_GAPS) {
    text = text.replace(g.re, (m) => {
      counts[g.what] = (counts[g.what] || 0) + 1;
      return g.keep ? g.keep(m) : ' '.repeat(m.length);
    });
  }
  return { text, counts };
}

/** Blanks compiler-version conditionals (#if swift(...), #if compiler(...)) and their #else/#endif. */
function blankVersionConditionals(text) {
  const lines = text.split('\n');
  const stack = [];
  let blanked = 0;
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    if (/^#if\b/.test(t)) {
      const version = /^#if\s+!?\s*(swift|compiler)\s*\(/.test(t);
      stack.push(version);
      if (version) { lines[i] = ''; blanked++; }
    } else if (/^#(else|elseif)\b/.test(t)) {
      if (stack.length && stack[stack.length - 1]) { lines[i] = ''; blanked++; }
    } else if (/^#endif\b/.test(t)) {
      if (stack.pop()) { lines[i] = ''; blanked++; }
    }
  }
  return { text: lines.join('\n'), blanked };
}

const parser = new Parser();
parser.setLanguage(Swift);

function problems(root) {
  const out = [];
  const walk = (n) => {
    if (n.type === 'ERROR' || n.isMissing) {
      out.push({ kind: n.isMissing ? `MISSING ${n.type}` : 'ERROR', row: n.startPosition.row + 1, col: n.startPosition.column + 1, text: n.text.slice(0, 80) });
      if (n.type === 'ERROR') return;
    }
    if (n.hasError || n.isMissing) for (const c of n.children) walk(c);
  };
  walk(root);
  return out;
}

function typeName(decl) {
  for (const c of decl.namedChildren) {
    if (c.type === 'type_identifier' || c.type === 'user_type') return c.text;
  }
  return null;
}

function collectDecls(node, file, outer, decls) {
  for (const c of node.namedChildren) {
    if (c.type === 'class_declaration' || c.type === 'protocol_declaration') {
      const kindNode = c.childForFieldName('declaration_kind');
      const kind = c.type === 'protocol_declaration' ? 'protocol' : kindNode ? kindNode.text : '?';
      const name = typeName(c);
      const full = outer && kind !== 'extension' ? `${outer}.${name}` : name;
      const d = { file, kind, name: full, properties: {}, functions: [], line: c.startPosition.row + 1 };
      const body = c.namedChildren.find((x) => x.type === 'class_body' || x.type === 'enum_class_body' || x.type === 'protocol_body');
      if (body) {
        for (const m of body.namedChildren) {
          if (m.type === 'property_declaration') {
            const pat = m.namedChildren.find((x) => x.type === 'pattern');
            const ann = m.namedChildren.find((x) => x.type === 'type_annotation');
            if (pat) d.properties[pat.text.replace(/`/g, '')] = ann ? ann.text.replace(/^:\s*/, '') : null;
          } else if (m.type === 'function_declaration' || m.type === 'protocol_function_declaration') {
            const nameNode = m.childForFieldName('name');
            const params = m.namedChildren.filter((x) => x.type === 'parameter').map((p) => {
              const ids = p.namedChildren.filter((x) => x.type === 'simple_identifier').map((x) => x.text.replace(/`/g, ''));
              const ty = p.namedChildren.filter((x) => x.type !== 'simple_identifier').map((x) => x.text).join(' ');
              // A default value follows the parameter node as `= expr`.
              let next = p.nextSibling;
              const hasDefault = !!(next && next.type === '=');
              return { label: ids[0], name: ids[ids.length - 1], type: ty, default: hasDefault };
            });
            const text = m.text;
            const head = text.slice(0, text.indexOf('{') < 0 ? text.length : text.indexOf('{'));
            const arrow = head.lastIndexOf('->');
            d.functions.push({
              name: nameNode ? nameNode.text.replace(/`/g, '') : null,
              params,
              async: /\)\s*async\b/.test(head),
              throws: /\bthrows\b/.test(head.slice(head.lastIndexOf(')'))),
              returns: arrow >= 0 ? head.slice(arrow + 2).trim() : 'Void',
              line: m.startPosition.row + 1,
            });
          }
        }
        collectDecls(body, file, full, decls);
      }
      decls.push(d);
    } else if (c.type === 'typealias_declaration') {
      const name = c.namedChildren.find((x) => x.type === 'type_identifier');
      decls.push({ file, kind: 'typealias', name: outer && name ? `${outer}.${name.text}` : name && name.text, line: c.startPosition.row + 1 });
    }
  }
}

let bad = 0;
let lines = 0;
let blankedAll = 0;
const gaps = {};
const decls = [];
for (const f of files) {
  const raw = fs.readFileSync(f, 'utf8');
  const blankedText = blankVersionConditionals(raw);
  blankedAll += blankedText.blanked;
  const { text, counts } = fillGrammarGaps(blankedText.text);
  for (const [k, n] of Object.entries(counts)) gaps[k] = (gaps[k] || 0) + n;
  lines += raw.split('\n').length;
  // The native binding (node-tree-sitter) takes a callback for long inputs.
  const tree = parser.parse((index) => text.slice(index, index + 8192));
  const found = problems(tree.rootNode);
  for (const p of found) {
    console.error(`${f}:${p.row}:${p.col}: ${p.kind}: ${JSON.stringify(p.text)}`);
  }
  if (found.length) bad++;
  collectDecls(tree.rootNode, path.relative(process.cwd(), f), null, decls);
}
if (declsOut) fs.writeFileSync(declsOut, JSON.stringify(decls, null, 1));
const gapText = Object.entries(gaps).map(([k, n]) => `${n} × ${k}`).join(', ');
console.log(`swift syntax: ${files.length - bad}/${files.length} files parse without ERROR or MISSING nodes (${lines} lines; blanked for the grammar: ${blankedAll} #if swift/compiler lines${gapText ? ', ' + gapText : ''})`);
process.exit(bad ? 1 : 0);
