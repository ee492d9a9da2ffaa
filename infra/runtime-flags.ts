/** V8 flags every Lambda runs with (through NODE_OPTIONS); `npm run bench` measures with the same. */
export const V8_FLAGS: readonly string[] = ['--max-semi-space-size=16'];
