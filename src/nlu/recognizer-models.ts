import { ChoiceRecognizer } from '@microsoft/recognizers-text-choice';
import { SequenceRecognizer } from '@microsoft/recognizers-text-sequence';

/**
 * recognizers-text models, made once per culture. The library's `recognizeEmail(text, culture)` and
 * its siblings build a whole recognizer — every model of its kind, each with its regular
 * expressions — on every call, which costs about three times the parse itself; a model holds no
 * state between parses, so one per culture serves every turn.
 */
export interface RecognizerModel {
  parse(query: string): { text: string; start: number; end: number; resolution?: Record<string, unknown> }[];
}

const sequences = new Map<string, SequenceRecognizer>();
const choices = new Map<string, ChoiceRecognizer>();

function sequenceFor(culture: string): SequenceRecognizer {
  let recognizer = sequences.get(culture);
  if (!recognizer) {
    recognizer = new SequenceRecognizer(culture);
    sequences.set(culture, recognizer);
  }
  return recognizer;
}

/** Email addresses in a text (as `recognizeEmail`). */
export function emailModel(culture: string): RecognizerModel {
  return sequenceFor(culture).getEmailModel(culture) as RecognizerModel;
}

/** Phone numbers in a text (as `recognizePhoneNumber`, for the cultures we ship). */
export function phoneNumberModel(culture: string): RecognizerModel {
  return sequenceFor(culture).getPhoneNumberModel(culture) as RecognizerModel;
}

/** Yes and no in a text (as `recognizeBoolean`, falling back to English for a culture without its own). */
export function booleanModel(culture: string): RecognizerModel {
  let recognizer = choices.get(culture);
  if (!recognizer) {
    recognizer = new ChoiceRecognizer(culture);
    choices.set(culture, recognizer);
  }
  return recognizer.getBooleanModel(culture, true) as RecognizerModel;
}
