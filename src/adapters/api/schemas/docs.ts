// What the documentation routes answer: this OpenAPI document and its page.
import { z } from 'zod';

export const openApiDocumentResponse = {
  description: 'OpenAPI 3.1',
  content: {
    'application/json': {
      schema: z.record(z.string(), z.unknown()).describe('an OpenAPI 3.1 document'),
    },
  },
};

export const docsPageResponse = {
  description: 'The API reference as HTML',
  content: { 'text/html': { schema: z.string() } },
};
