// Entry of every consumer worker thread. Node 20 does not apply the main thread's module hooks
// (tsx) to worker threads, so each thread registers tsx itself before loading the TypeScript
// consumer and, through it, any .ts plugin dropped into plugins/.
import { register } from 'tsx/esm/api';

register();
const { default: consumerThread } = await import('./consumer-thread.ts');

export default consumerThread;
