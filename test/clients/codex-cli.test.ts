import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { anthropicMessage } from '../support/anthropic-message.ts'
import { CLIENT_KEY, startGateway, type TestGateway } from '../support/test-gateway.ts'

/**
 * Codex CLI (`@openai/codex`, its own binary from npm) as the client: `codex exec` against the
 * gateway in front of the mock upstream, configured as a user would (docs/responses-api.md#clients), with a temporary
 * HOME and working directory. Codex speaks only the Responses API, streamed, with `store:false`.
 */

const CODEX = join(import.meta.dir, '..', '..', 'node_modules', '.bin', 'codex')
const RUN_LIMIT_MS = 45_000

let gw: TestGateway
let root: string
beforeAll(async () => {
  gw = await startGateway({ env: { UPSTREAM_TIMEOUT: '10' } })
  root = mkdtempSync(join(tmpdir(), 'codex-cli-test-'))
  mkdirSync(join(root, 'home', '.codex'), { recursive: true })
  mkdirSync(join(root, 'work'))
  writeFileSync(
    join(root, 'home', '.codex', 'config.toml'),
    [
      'model = "claude-sonnet-4-5"',
      'model_provider = "gateway"',
      '',
      '[model_providers.gateway]',
      'name = "Claude gateway"',
      `base_url = "${gw.url}/v1"`,
      'env_key = "GATEWAY_API_KEY"',
      'wire_api = "responses"',
      '',
    ].join('\n'),
  )
})
afterAll(async () => {
  await gw.stop()
  rmSync(root, { recursive: true, force: true })
})
beforeEach(() => gw.mock.reset())

/** `codex exec <prompt>`, killed by PID if it outlives RUN_LIMIT_MS. */
const codexExec = async (prompt: string, options: string[] = []) => {
  const home = join(root, 'home')
  const proc = Bun.spawn([CODEX, 'exec', '--skip-git-repo-check', '--sandbox', 'danger-full-access', ...options, prompt], {
    cwd: join(root, 'work'),
    env: { PATH: process.env.PATH ?? '', HOME: home, CODEX_HOME: join(home, '.codex'), GATEWAY_API_KEY: CLIENT_KEY },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const timer = setTimeout(() => proc.kill('SIGKILL'), RUN_LIMIT_MS)
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  clearTimeout(timer)
  return { stdout, stderr, code }
}

describe('codex exec through the gateway', () => {
  test(
    'answers directly',
    async () => {
      gw.mock.reply({
        kind: 'message',
        message: anthropicMessage({ id: 'msg_codex_hi', content: [{ type: 'text', text: 'Hi from Claude via the gateway.' }], stop_reason: 'end_turn' }),
      })
      const run = await codexExec('say hi')
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout.trim()).toBe('Hi from Claude via the gateway.')
      const sent = gw.mock.requests[0]?.body
      expect(sent?.stream).toBe(true)
      expect(sent?.tools?.map((tool) => tool.name)).toContain('exec_command')
    },
    RUN_LIMIT_MS + 5000,
  )

  test(
    'runs a shell tool call and answers from its output; its reasoning comes back signed through encrypted_content',
    async () => {
      const marker = `codex-marker-${process.pid}`
      const thinking = { type: 'thinking' as const, thinking: 'Run the command.', signature: 'sig-codex' }
      gw.mock.reply({
        kind: 'message',
        message: anthropicMessage({
          id: 'msg_codex_call',
          content: [thinking, { type: 'tool_use', id: 'toolu_codex_exec', name: 'exec_command', input: { cmd: `echo ${marker}` } }],
          stop_reason: 'tool_use',
        }),
      })
      // Then the mock's echo, which quotes the tool result it receives.
      const run = await codexExec('print the marker', ['-c', 'model_reasoning_effort="low"'])
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toContain(marker)
      expect(gw.mock.requests).toHaveLength(2)
      const result = gw.mock.requests[1]?.body.messages.at(-1)?.content[0]
      expect(result).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_codex_exec' })
      expect(JSON.stringify(result)).toContain(marker)
      const second = gw.mock.requests[1]?.body
      expect(second?.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 })
      expect(second?.messages.at(-2)?.content[0]).toEqual(thinking)
    },
    RUN_LIMIT_MS + 5000,
  )
})
