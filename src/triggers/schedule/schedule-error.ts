/** A schedule the user gave is not acceptable; the message is the one Mistral (or Sirocco) returns as a 400. */
export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleError';
  }
}
