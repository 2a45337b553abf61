// The engine's SourceReader: dispatches a source definition to the reader for its kind.
import type { SourceReader } from '../../engine/ports.ts';
import { readFilesSource } from './files-source.ts';
import { readHttpSource } from './http-source.ts';

export const readSource: SourceReader = (source, context) => {
  switch (source.kind) {
    case 'files':
      return readFilesSource(source, context);
    case 'http':
      return readHttpSource(source, context);
  }
};
