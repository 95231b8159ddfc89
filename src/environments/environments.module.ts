import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EnvironmentEntity } from './environment.entity';
import { EnvironmentRepository } from './environment.repository';
import { EnvironmentsController } from './environments.controller';
import { EnvironmentsService } from './environments.service';

/** /v2/environments: named variables an execution can be started with. */
@Module({
  imports: [TypeOrmModule.forFeature([EnvironmentEntity])],
  controllers: [EnvironmentsController],
  providers: [EnvironmentsService, EnvironmentRepository],
  exports: [EnvironmentsService, EnvironmentRepository],
})
export class EnvironmentsModule {}
