import { AppError } from '../../errors/app-error';

/** A change to an access request that its rules do not allow (release before review, a second extension…). */
export class AccessRuleError extends AppError {}
