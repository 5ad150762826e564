import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthUser } from '../auth/auth-user';
import { Access, CurrentUser } from '../auth/auth.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { AdminSessions, QUEUE_BOARD_PATH, sessionCookie } from './admin-sessions';

class AdminSessionDto {
  @ApiProperty({ example: '2026-01-15T10:45:00.000Z', description: 'When the cookie stops opening the dashboard' }) expires_at!: string;
  @ApiProperty({ example: QUEUE_BOARD_PATH, description: 'The dashboard the cookie opens' }) dashboard_url!: string;
}

@ApiTags('system')
@Controller('api/v1/system')
export class AdminSessionController {
  constructor(private readonly sessions: AdminSessions) {}

  @Post('admin-session')
  @HttpCode(200)
  @Access({ adminOnly: true, apiKeyScope: 'system:write' })
  @ApiOperation({
    operationId: 'createAdminSession',
    summary: 'Open the queue dashboard (bull-board at /admin/queues) in this browser (admins and API keys with system:write)',
    description:
      'Sets a short-lived session cookie (HttpOnly, SameSite=Strict, Path=/admin/queues, 15 minutes) that the dashboard\'s pages and requests authenticate with; call it again for a new one. From a page of this origin, a fetch with the Authorization header is enough; then open /admin/queues.',
  })
  @ApiOkResponse({
    type: AdminSessionDto,
    description: 'The session is open',
    headers: { 'Set-Cookie': { description: 'vgs_admin_session=…; Path=/admin/queues; HttpOnly; SameSite=Strict', schema: { type: 'string' } } },
  })
  @ApiErrors(403)
  async create(@CurrentUser() operator: AuthUser, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<AdminSessionDto> {
    const { sessionId, expiresAt } = await this.sessions.open(operator);
    res.setHeader('Set-Cookie', sessionCookie(sessionId, req.secure));
    res.setHeader('Cache-Control', 'no-store');
    return { expires_at: expiresAt.toISOString(), dashboard_url: QUEUE_BOARD_PATH };
  }
}
