import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/auth.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { MeDto, PreferencesDto, PreferencesResponseDto } from './dto/preferences.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('api/v1/users/me')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ operationId: 'getMe', summary: 'The caller: token claims, plus Clerk profile fields when the Backend API is configured' })
  @ApiOkResponse({ type: MeDto, description: 'The caller' })
  @ApiErrors()
  me(@CurrentUser() user: AuthUser): Promise<MeDto> {
    return this.users.me(user);
  }

  @Get('preferences')
  @ApiOperation({ operationId: 'getPreferences', summary: "The caller's settings" })
  @ApiOkResponse({ type: PreferencesResponseDto, description: 'The settings, defaults filled' })
  @ApiErrors()
  preferences(@CurrentUser() user: AuthUser): Promise<PreferencesResponseDto> {
    return this.users.getPreferences(user);
  }

  @Put('preferences')
  @ApiOperation({ operationId: 'putPreferences', summary: "Replace the caller's settings (default_quality applies to requests without quality)" })
  @ApiBody({
    type: PreferencesDto,
    examples: {
      notify: {
        summary: 'High quality by default; finished and failed jobs POSTed to a webhook',
        value: { default_quality: 'high', notifications: { webhook_url: 'https://example.com/hooks/video', events: ['job.completed', 'job.failed'] } },
      },
    },
  })
  @ApiOkResponse({ type: PreferencesResponseDto, description: 'The settings as stored' })
  @ApiErrors(413, 415, 422)
  putPreferences(@CurrentUser() user: AuthUser, @Body() body: PreferencesDto): Promise<PreferencesResponseDto> {
    return this.users.putPreferences(user, body);
  }
}
