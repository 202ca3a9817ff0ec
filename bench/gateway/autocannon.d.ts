// The part of autocannon 8's API this benchmark uses (the package ships no types).
declare module 'autocannon' {
  interface RawRequest {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
  }
  interface RequestSpec extends RawRequest {
    /** A function, or (with workers) the path of a module exporting one. */
    setupRequest?: string | ((request: RawRequest, context: Record<string, unknown>) => RawRequest)
  }
  interface Options extends RawRequest {
    url: string
    workers?: number
    connections?: number
    duration?: number
    requests?: RequestSpec[]
  }
  interface Histogram {
    average: number
    mean: number
    p50: number
    p90: number
    p99: number
    max: number
    total: number
  }
  interface Result {
    requests: Histogram
    latency: Histogram
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
  }
  function autocannon(options: Options): Promise<Result>
  export default autocannon
}
