// The Store conformance suite on the in-memory LevelStore (memory-level).
import { defineStoreConformance } from './testing/conformance.js';
import { openMemoryStore } from './memory-store.js';

defineStoreConformance('memory', () => openMemoryStore());
