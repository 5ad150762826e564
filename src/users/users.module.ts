import { Module } from '@nestjs/common';
import { ClerkProfiles } from './clerk-profiles';
import { PreferencesStore } from './preferences.store';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  controllers: [UsersController],
  providers: [UsersService, ClerkProfiles, PreferencesStore],
  exports: [PreferencesStore],
})
export class UsersModule {}
