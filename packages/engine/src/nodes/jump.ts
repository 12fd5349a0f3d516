import { z } from 'zod';
import { defineNode } from './define.js';

/** `jump`: continues at another node of the same flow. */
export const jumpNode = defineNode({
  type: 'jump',
  data: z.object({ target: z.string().min(1) }),
  handles: () => [],
  waits: () => false,
  instant: true,
  jumpTargets: (data) => [data.target],
  enter: (context) => ({ jump: context.data.target }),
});
