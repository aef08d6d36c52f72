import { afterAll, beforeAll, beforeEach } from 'bun:test'
import OpenAI from 'openai'
import { CLIENT_KEY, startGateway, type TestGateway } from './test-gateway.ts'

/** A test file's gateway (fresh mock replies for each test) and an `openai` SDK client pointed at it. */
export const openAISuite = () => {
  const suite = {} as { gw: TestGateway; client: OpenAI }
  beforeAll(async () => {
    suite.gw = await startGateway()
    suite.client = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${suite.gw.url}/v1`, maxRetries: 0, timeout: 5000 })
  })
  afterAll(() => suite.gw.stop())
  beforeEach(() => suite.gw.mock.reset())
  return suite
}
