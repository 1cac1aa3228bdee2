import { MemoryStore } from '../../core/store/memory/memory-store';
import { describeStoreContract } from './store-contract';

describeStoreContract('MemoryStore', async () => ({ store: new MemoryStore(), close: async () => undefined }));
