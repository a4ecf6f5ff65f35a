// Adaptive Cards as Microsoft's Adaptive Cards SDK for JavaScript (the `adaptivecards`
// package) reads them: the problems it reports parsing a card (an unknown element or action
// type, a value of the wrong kind) and validating it (a required property missing: an
// Action.OpenUrl without a url …). Empty: the SDK takes the card as it is.
import { createRequire } from 'node:module';

interface SdkEvent { phase?: number; event: number; message: string }
interface Sdk {
  AdaptiveCard: new () => { parse(json: unknown, ctx: unknown): void; validateProperties(): { validationEvents: SdkEvent[] } };
  SerializationContext: new () => { eventCount: number; getEventAt(i: number): SdkEvent };
}

// The package's main entry is ES modules written for a bundler (imports without extensions):
// its prebuilt bundle is what Node can load.
const sdk = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as Sdk;

export function cardProblems(card: unknown): string[] {
  const c = new sdk.AdaptiveCard();
  const ctx = new sdk.SerializationContext();
  c.parse(card, ctx);
  const out: string[] = [];
  for (let i = 0; i < ctx.eventCount; i++) out.push(`parse: ${ctx.getEventAt(i).message}`);
  for (const e of c.validateProperties().validationEvents) out.push(`validate: ${e.message}`);
  return out;
}
