import type { MessageItem, OutputItem, OutputText } from '../openai/responses-schema.ts'
import type { ResponseFrames } from './response-frames.ts'
import type { StreamedBlock } from './streamed-block.ts'

/**
 * The frames that finish an output item: its full text, arguments, input or summary (so a client
 * that missed or skipped the deltas still has it), then `response.output_item.done` with the item.
 */
export const itemDoneFrames = (frames: ResponseFrames, { at, outputIndex, announced }: StreamedBlock, item: OutputItem): string => {
  let done = ''
  switch (item.type) {
    case 'message': {
      const part = item.content[0] as OutputText
      done += frames.frame('response.output_text.done', `${at},"content_index":0,"logprobs":[],"text":${JSON.stringify(part.text)}`)
      done += frames.frame('response.content_part.done', `${at},"content_index":0,"part":${JSON.stringify(part)}`)
      break
    }
    case 'function_call':
      done += frames.frame('response.function_call_arguments.done', `${at},"name":${JSON.stringify(item.name)},"arguments":${JSON.stringify(item.arguments)}`)
      break
    case 'custom_tool_call': {
      // Upstream its input streams as JSON around the string, so the string goes out whole here.
      const input = JSON.stringify(item.input)
      if (item.input !== '') done += frames.frame('response.custom_tool_call_input.delta', `${at},"delta":${input}`)
      done += frames.frame('response.custom_tool_call_input.done', `${at},"input":${input}`)
      break
    }
    case 'reasoning': {
      const summary = item.summary[0]
      // A summary part is open only when the block had text and a summary was asked.
      if (!announced || summary === undefined) break
      done += frames.frame('response.reasoning_summary_text.done', `${at},"summary_index":0,"text":${JSON.stringify(summary.text)}`)
      done += frames.frame('response.reasoning_summary_part.done', `${at},"summary_index":0,"part":${JSON.stringify(summary)}`)
      break
    }
    default:
      break
  }
  return `${done}${frames.frame('response.output_item.done', `"output_index":${outputIndex},"item":${JSON.stringify(item)}`)}`
}

/** The whole life of the refusal message at once: its text arrives with message_delta, after every block. */
export const refusalFrames = (frames: ResponseFrames, outputIndex: number, item: MessageItem): string => {
  const at = `"item_id":${JSON.stringify(item.id)},"output_index":${outputIndex},"content_index":0`
  const part = item.content[0]
  const refusal = JSON.stringify(part?.type === 'refusal' ? part.refusal : '')
  return (
    frames.frame('response.output_item.added', `"output_index":${outputIndex},"item":${JSON.stringify({ ...item, status: 'in_progress', content: [] })}`) +
    frames.frame('response.content_part.added', `${at},"part":{"type":"refusal","refusal":""}`) +
    frames.frame('response.refusal.delta', `${at},"delta":${refusal}`) +
    frames.frame('response.refusal.done', `${at},"refusal":${refusal}`) +
    frames.frame('response.content_part.done', `${at},"part":${JSON.stringify(part)}`) +
    frames.frame('response.output_item.done', `"output_index":${outputIndex},"item":${JSON.stringify(item)}`)
  )
}
