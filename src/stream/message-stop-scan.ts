/** The JSON string "message_stop", quotes included: inside any other JSON string its quotes are escaped. */
const MARKER = Buffer.from('"message_stop"')
const OVERLAP = MARKER.length - 1

/**
 * Whether an Anthropic event stream passing through has carried its `message_stop` event, found
 * in the bytes as they pass, without decoding or parsing them (whatever spacing the JSON has).
 * The last bytes of each read are kept, for a marker split across reads.
 */
export const createMessageStopScan = () => {
  let seen = false
  let tail = Buffer.alloc(0)
  return {
    see(bytes: Uint8Array) {
      if (seen) return
      const chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      seen = chunk.indexOf(MARKER) >= 0 || (tail.length > 0 && Buffer.concat([tail, chunk.subarray(0, OVERLAP)]).indexOf(MARKER) >= 0)
      // Copied: the read's buffer goes on to the client.
      tail = Buffer.concat([tail, chunk.subarray(Math.max(0, chunk.length - OVERLAP))]).subarray(-OVERLAP)
    },
    get seen() {
      return seen
    },
  }
}
