import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { WireEvent } from '../../src/mock-upstream/mock-replies.ts'

const DIR = join(import.meta.dir, '..', 'fixtures')

export const fixtureText = (path: string) => readFileSync(join(DIR, path), 'utf8')
export const fixtureJson = <T = unknown>(path: string): T => JSON.parse(fixtureText(path)) as T

/** The events of a recorded `.sse` file, parsed. */
export const fixtureEvents = (path: string): WireEvent[] =>
  fixtureText(path)
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => JSON.parse(line.slice(5)) as WireEvent)
