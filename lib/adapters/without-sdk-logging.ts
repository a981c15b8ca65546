/** The name the AWS SDK gives the middleware it adds to every client to log each call. */
const SDK_LOGGER_MIDDLEWARE = 'loggerMiddleware';

/**
 * Takes the SDK's logging middleware off `client` and returns the client. Call it once, where the client
 * is created: a `DynamoDBDocumentClient` made from the client afterwards shares its stack.
 *
 * No client here is given a logger, yet the middleware still runs on every call and copies the call's
 * input and output through the sensitive-data filters before handing them to a logger that does nothing:
 * CPU spent per call, on the calls every mail makes. Failures still reach us as the errors the call
 * throws.
 */
export function withoutSdkLogging<C extends { middlewareStack: { remove(name: string): boolean } }>(
  client: C,
): C {
  client.middlewareStack.remove(SDK_LOGGER_MIDDLEWARE);
  return client;
}
