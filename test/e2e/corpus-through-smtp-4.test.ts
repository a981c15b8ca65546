import { describeCorpusShard } from '../support/corpus-through-smtp.js';

describeCorpusShard(3);
