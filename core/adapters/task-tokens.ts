import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { TaskTokens } from '../ports.ts';

/** Step Functions SendTaskSuccess / SendTaskFailure (what a Lambda uses to answer its own token). */
export class SfnTaskTokens implements TaskTokens {
  readonly #client: () => SFNClient;
  #sfn: SFNClient | undefined;

  constructor(client?: SFNClient) {
    this.#client = () => client ?? new SFNClient({});
  }

  async sendSuccess(token: string, output: unknown): Promise<void> {
    await this.#get().send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
  }

  async sendFailure(token: string, error: string, cause: string): Promise<void> {
    await this.#get().send(new SendTaskFailureCommand({ taskToken: token, error, cause }));
  }

  #get(): SFNClient {
    this.#sfn ??= this.#client();
    return this.#sfn;
  }
}
