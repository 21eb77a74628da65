import { AppError } from '../../errors/app-error';

/** A change to a concern or an incident that its rules do not allow (awareness in the future, a second triage…). */
export class ConcernRuleError extends AppError {}
